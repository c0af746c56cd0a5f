# The gateway image: Node 20, dependencies from the lock file, then the project's own install steps
# (Prisma client, the compiled dist/, the embedded database's template) once the sources are in.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dependencies alone first, so this layer is reused while only the sources change.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts tsconfig.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
RUN npm run postinstall
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8000/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# npm start execs node, so the SIGTERM of `docker stop` reaches the gateway, which shuts down gracefully.
CMD ["npm", "start"]
