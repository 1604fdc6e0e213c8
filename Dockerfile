# Production image: gunicorn for web, the same image for the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-noto-cjk fonts-hanazono gettext \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 portal
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY portal ./portal
COPY enrollment ./enrollment
COPY courses ./courses
COPY learners ./learners
COPY certificates ./certificates
COPY billing ./billing
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /build/node_modules ./node_modules
RUN SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 ALLOWED_HOSTS=build EMAIL_URL=consolemail:// \
    sh -c "python manage.py compilemessages -v0 --ignore=node_modules && python manage.py collectstatic --noinput -v0" \
 && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
