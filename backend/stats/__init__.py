"""Decision support: the evaluation stage of the closed loop (figures per period,
department, category and time), hotspots and recurring problems."""
