"""Citizen incident reports: intake from every channel, routing, deadlines, lifecycle, public tracking, Open311."""
