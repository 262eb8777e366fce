"""``jug.hooks.register``."""

from jug_async.api.hooks import jug_hook, register_hook, register_hook_once, reset_all_hooks

__all__ = ["jug_hook", "register_hook", "register_hook_once", "reset_all_hooks"]
