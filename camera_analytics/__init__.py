"""Camera analytics: fixed cameras' video turned into counts, speeds and traffic violations filed as incidents."""
