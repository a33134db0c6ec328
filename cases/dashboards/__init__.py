"""Supervisor dashboards: daily statistics, the pages that read them, and supervisors' actions."""
