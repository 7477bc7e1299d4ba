"""The data-quality engine: rules as data (`rules`, `rule_set`), check runs (`runs`),
failing records and rule edits (`records`), likely duplicate customers (`duplicates`).
Its results are read by the dashboards through `data_access.dq_results`."""
