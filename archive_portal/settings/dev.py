"""Local development and the demo: embedded defaults, readable errors, emails to the console."""

from .base import *  # noqa: F403 (settings modules extend the shared base)
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production-0123456789abcdef")
# The demo tells "ONS" by email, printed on the console with the rest: a reserved address that can
# never reach anyone (production refuses it).
ONS_NOTIFY_EMAIL = env.str("ONS_NOTIFY_EMAIL", default="srs-access@ons.demo.invalid")
