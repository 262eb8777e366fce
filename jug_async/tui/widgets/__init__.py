"""The TUI's widgets and screens, one per module."""

from .bar import StackedBar as StackedBar
from .confirm import ConfirmStop as ConfirmStop
from .failures import FailuresPanel as FailuresPanel
from .header import RunHeader as RunHeader
from .help import HelpScreen as HelpScreen
from .hosts import HostsPanel as HostsPanel
from .name_table import NameTable as NameTable
from .running import RunningPanel as RunningPanel
from .tasks_screen import TasksScreen as TasksScreen
