"""The demo's entry points, kept at their old path: the loader and the demo accounts."""

from .loader import DemoResult as DemoResult
from .loader import demo_load as demo_load
from .loader import demo_unload as demo_unload
from .users import DEMO_PASSWORD as DEMO_PASSWORD
from .users import DEMO_USERS as DEMO_USERS
from .users import SYSTEM_USER as SYSTEM_USER
