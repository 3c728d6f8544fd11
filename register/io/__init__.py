"""Spreadsheets in and workbooks out. The register file itself is the store's business."""
