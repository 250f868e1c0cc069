"""Developer tools for Occupancy Manager: dataset readers and replay (not shipped to users)."""
