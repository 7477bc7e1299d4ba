"""The demo: a deterministic generator of realistic CRM data with planted signals (`seed`,
its vocabulary in `vocab`) and the demo users (`users`). One source of data among others:
no other code depends on its shapes. `python -m demo --help` loads it into a database."""
