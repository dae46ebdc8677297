"""Life after approval, the team's side: the outputs a project produced, its annual progress and
closing reports, and closing it early. A package of its own beside the drafting and submission
modules of applications (``applications/services`` had passed the 500-line mark; it is a package
now too), with the same layers: ``services`` (writes), ``selectors`` (reads), ``forms``, ``views``
and ``urls`` (included in ``applications/urls.py``). The models are in ``applications/models.py``
with the others."""
