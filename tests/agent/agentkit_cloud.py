"""The cloud process and admin client live beside the agent's benchmark, which needs them too."""

from agent.bench_cloud import ADMIN_EMAIL, ADMIN_PASSWORD, Admin, CloudProcess, postgres_database, run_cloud

__all__ = ["ADMIN_EMAIL", "ADMIN_PASSWORD", "Admin", "CloudProcess", "postgres_database", "run_cloud"]
