"""jiceng (基层): records platform for a city's grassroots Party organisations."""
