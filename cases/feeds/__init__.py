"""Bank feeds: the nightly accounts and payments files in, reporting CSVs out."""
