"""Reading the emulator's request log by endpoint, with details job ids left out."""

from collections import Counter

from wrapup_assets.genesys.client import DETAILS_JOBS_AVAILABILITY_PATH, DETAILS_JOBS_PATH


def job_endpoint(path: str) -> str:
    """The path with a details job's id replaced by {id}."""
    if path.startswith(f"{DETAILS_JOBS_PATH}/") and path != DETAILS_JOBS_AVAILABILITY_PATH:
        return f"{DETAILS_JOBS_PATH}/{{id}}" + ("/results" if path.endswith("/results") else "")
    return path


def endpoint_counts(log: list) -> Counter:
    """How many requests of the log went to each (method, endpoint, status)."""
    return Counter((entry.method, job_endpoint(entry.path), entry.status) for entry in log)
