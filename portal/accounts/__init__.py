"""Users, the organisations they belong to (province IOC, district IOCs, agencies), roles, API tokens."""
