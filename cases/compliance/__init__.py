"""The compliance engine: policies as data, rules, decisions and the tamper-evident log.

Entry point: `cases.compliance.engine.compliance_decide` (and `compliance_record_contact`).
This package's models belong to the `cases` app (cases/models.py imports them).
"""
