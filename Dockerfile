# metronome: multi-stage build. The runtime image holds dist/, production dependencies and migrations,
# and runs as a non-root user. (No Docker engine runs on the development machines; this file is
# documented and reviewed, not built there.)
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN npm i -g pnpm@10
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm install --frozen-lockfile
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN pnpm build && pnpm prune --prod

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Outside a container the metrics server listens on 127.0.0.1; here it must be reachable through the
# published port (the network boundary is the container's).
ENV METRONOME_METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY package.json ./
USER node
EXPOSE 9464
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["index", "--metrics-port", "9464"]
