# syntax=docker/dockerfile:1
# The Tandem image: `tandem worker` by default, `tandem gateway` with the command `gateway`.
# docker-compose.yml builds it once and runs it as the worker, the gateway and the demo targets.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
# Also bundles the workflows into dist/, so a worker starts without webpack.
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Mount a config here, or point TANDEM_CONFIG elsewhere.
ENV TANDEM_CONFIG=/etc/tandem/tandem.yaml
USER node
ENTRYPOINT ["node", "bin/tandem.js"]
CMD ["worker"]
