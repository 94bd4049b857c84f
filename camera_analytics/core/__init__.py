"""The framework-free core: calibration, video, motion, tracking, rules, evidence. No Django in here."""
