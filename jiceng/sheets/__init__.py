"""Spreadsheet plumbing with no models: upload checks, reading, header matching, cell values,
writing. The apps that import and export records (jiceng.transfer) build on it."""
