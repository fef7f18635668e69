"""A Genesys Cloud CX API emulator over real HTTP on loopback, with deterministic synthetic data.

The embedded default for the demo and for `dagster dev` without credentials, and the server every
test of the project talks to.
"""

from wrapup_assets.emulator.config import EmulatorConfig
from wrapup_assets.emulator.faults import Fault, FaultPlan
from wrapup_assets.emulator.server import GenesysEmulator, LoggedRequest, serve

__all__ = ["EmulatorConfig", "Fault", "FaultPlan", "GenesysEmulator", "LoggedRequest", "serve"]
