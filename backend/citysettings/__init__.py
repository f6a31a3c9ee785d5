"""Settings a city changes while CityLoop runs (the admin console's Settings screen): a
stored value overrides the configured one at once, in every process, until it is reset."""
