"""Life after approval, the team's side: the outputs a project produced, its annual progress and
closing reports, and closing it early. A package of its own beside the drafting and submission
modules of applications (``applications/services.py`` is past the 500-line mark), with the same
layers: ``services`` (writes), ``selectors`` (reads), ``forms``, ``views`` and ``urls`` (included in
``applications/urls.py``). The models are in ``applications/models.py`` with the others."""
