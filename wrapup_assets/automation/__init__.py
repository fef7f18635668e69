"""Schedules and sensors that keep the lake current unattended; they import the assets and jobs,
never the other way round (the daily automation condition is an asset attribute: `assets.conditions`)."""
