"""BUS import jobs: customers, activities, and the collective import of both."""
