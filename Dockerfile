# Docent: one image for the api, the worker and the migration runner; only the command differs.
#
#   docker build -t docent:local .
#   api (default):  docker run docent:local
#   worker:         docker run docent:local node dist/apps/worker/apps/worker/src/main.js
#   migrations:     docker run docent:local node dist/apps/api/apps/api/src/migrate.js up
#
# NODE_ENV defaults to production, so the apps refuse to start without real secrets
# (JWT_ACCESS_SECRET, DATA_ENCRYPTION_KEYS, ...). Needs BuildKit (Docker's default builder since
# 23.0) for the npm cache mounts.

# Node.js 24 LTS, the major .nvmrc and package.json `engines` name
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Every dependency, dev included: the build needs the Nest CLI and TypeScript.
# --ignore-scripts: the project installs without lifecycle scripts (npm 11, which ships with this
# base image, runs none by default; the flag keeps it so whatever npm the image carries). Native code arrives as prebuilt optional
# packages, which `npm ci` keeps: never pass --omit=optional.
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts

FROM deps AS build
COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
# builds dist/apps/api (api + migration CLI, migrations compiled in), dist/apps/worker and the
# web client (dist/web, served by the api at /)
RUN npm run build

# production dependencies only (optional ones stay: they carry the native binaries)
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STORAGE_DIR=/app/var/storage
WORKDIR /app
# OCR of scanned PDF pages in the worker (README, "Scanned PDFs"): Tesseract with its English
# data and poppler's pdftoppm; prlimit (util-linux) is already in the base image. Other languages:
# add tesseract-ocr-<lang> here and set OCR_LANGUAGES.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       tesseract-ocr tesseract-ocr-eng poppler-utils \
    && rm -rf /var/lib/apt/lists/*
# the uploads volume mounts here; a new named volume copies this directory's owner (node)
RUN mkdir -p /app/var/storage && chown -R node:node /app
COPY --chown=node:node package.json ./
COPY --chown=node:node --from=prod-deps /app/node_modules ./node_modules
COPY --chown=node:node --from=build /app/dist ./dist
COPY --chown=node:node scripts ./scripts
# the image's own unprivileged user (uid 1000)
USER node
EXPOSE 3000 3001
# Liveness of whichever server this container runs: the api answers on PORT, the worker on
# WORKER_HTTP_PORT, and nothing else listens inside the container. Compose replaces this with a
# readiness check per service (and switches it off for the one-shot migrate container).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "(async()=>{for(const p of [process.env.PORT||3000,process.env.WORKER_HTTP_PORT||3001]){try{const r=await fetch('http://127.0.0.1:'+p+'/health/live',{signal:AbortSignal.timeout(3000)});if(r.ok)process.exit(0)}catch{}}process.exit(1)})()"]
# exec form: node is PID 1 and receives SIGTERM itself (both apps shut down gracefully on it)
CMD ["node", "dist/apps/api/apps/api/src/main.js"]
