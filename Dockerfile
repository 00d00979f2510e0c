# One image for every Tomo process: the API (default command), the worker
# (`node dist/apps/worker/main.js`) and the command line (`node dist/apps/cli/main.js db:backup`).
# Build: docker build -t tomo .
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3, ssh2 and cpu-features compile from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false npx nx run-many -t build -p api worker web cli
# Only the packages the server bundles load (tools/image/runtime-modules.mjs): no Angular, no
# compilers, no dev tools. The console ships as its static build; source maps are never loaded.
RUN node tools/image/runtime-modules.mjs /runtime dist/apps/api dist/apps/worker dist/apps/cli \
    && mkdir -p /runtime/dist/apps/web \
    && cp -r dist/apps/api dist/apps/worker dist/apps/cli /runtime/dist/apps/ \
    && cp -r dist/apps/web/browser /runtime/dist/apps/web/ \
    && find /runtime/dist -name '*.map' -delete

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    WEB_DIST_DIR=/app/dist/apps/web/browser
# pg_dump/pg_restore for db:backup and db:restore when DATABASE_URL points at Postgres.
# apt-get clean: the official base does it through its docker-clean hook, a stand-in base may not.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown node:node /data
COPY --from=build /app/package.json ./
COPY --from=build /runtime ./
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:3000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/main.js"]
