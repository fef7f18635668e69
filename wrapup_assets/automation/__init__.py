"""Schedules, sensors and the daily automation condition that keep the lake current unattended.

Import the submodules directly: `conditions` is used by the asset definitions, while `schedules`
and `sensors` import the assets and jobs.
"""
