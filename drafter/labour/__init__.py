"""Official labour-market figures: BLS OEWS employment and wages per SOC code, dated and cited.

- ``figures``: the exact data (published, capped and unpublished values) and the bundled table's layout;
- ``tables``: every known release (bundled May 2025 + imported) and the O*NET -> SOC code mapping;
- ``store`` / ``timeseries``: newer releases imported from the BLS time-series files into ``$DRAFTER_HOME``;
- ``facts``: a role's newest figures and any earlier one (an older release, a figure a scored assessment cites);
- ``notes``: the evidence-notes file, and the notes a draft receives when it is given none;
- ``weighting``: employment-weighted zone distributions of drafted roles.

Data: U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics (public domain).
"""
