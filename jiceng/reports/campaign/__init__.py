"""The campaign report (issue 9): for any subtree and period, a report in the structure of the
source document — a title, a summary, then the five systems, each with its figures
(`jiceng.core.figures`) and short sentences generated from their values — as a web page (every
figure a link to its records), a PDF (WeasyPrint, Noto CJK) and an .xlsx of the figure table.

content.py    the report from figure values: sections, sentences, title, summary
sentences.py  one sentence template per figure key (gettext; no value, no sentence)
models.py     CampaignReport: a generated report kept with its values, PDF and .xlsx
services.py   campaign_report_request (checked, audited; inline or background) and _build
render.py     the PDF and the .xlsx
naive.py      the figures counted the naive way, record by record (tests, bench, --check-source)
"""
