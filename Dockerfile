FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=archive_portal.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 portal
# The whole project: .dockerignore keeps out version control, local environments, databases and secrets.
COPY . .
RUN pip install . && SECRET_KEY=build-time-only-collectstatic-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "archive_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
