"""pytest plugin for run_radicale_suite.py: Radicale's request tests on our storage.

Loaded with ``-p radicale_suite_storage``. After Radicale's own ``BaseTest.setup_method`` has
configured its file storage in a fresh temporary folder, every test is switched to
``storage_plugin.storage`` on a fresh HQ database in that folder (a copy of the database
``bridge init`` made, named by ``BRIDGE_RADICALE_SUITE_TEMPLATE``). Nothing else changes: no
test is overridden, deselected or skipped, and no option of Radicale's is touched.
"""

import os
import shutil

from radicale.tests import BaseTest

_radicale_setup = BaseTest.setup_method


def _setup_on_hq_database(self: BaseTest) -> None:
    _radicale_setup(self)
    database = os.path.join(self.colpath, "hq.db")
    shutil.copyfile(os.environ["BRIDGE_RADICALE_SUITE_TEMPLATE"], database)
    self.configure({"storage": {"type": "storage_plugin.storage",
                                "database_url": f"sqlite:///{database}"}})


BaseTest.setup_method = _setup_on_hq_database  # type: ignore[method-assign]
