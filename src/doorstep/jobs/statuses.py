"""A job's statuses (doorstep.jobs.models), in a module that imports nothing: `doorstep jobs
--help` lists them without loading the database layer."""

from __future__ import annotations

JOB_STATUSES = ("queued", "running", "done", "dead")
