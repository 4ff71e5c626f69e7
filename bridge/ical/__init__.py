"""iCalendar and vCard mapping of HQ objects (built with icalendar, never by string)."""
