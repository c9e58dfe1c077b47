"""Who may see and do what. Every door (screen, API, job, CLI) asks this package."""
