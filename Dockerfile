FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=archive_portal.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 portal
COPY pyproject.toml README.md ./
COPY archive_portal ./archive_portal
COPY core ./core
COPY accounts ./accounts
COPY deposits ./deposits
COPY applications ./applications
COPY panel ./panel
COPY notifications ./notifications
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install . && SECRET_KEY=build-time-only-collectstatic-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "archive_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
