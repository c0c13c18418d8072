# Image for the api, worker and beat services of docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kgplatform ./kgplatform
COPY workers ./workers
COPY cypher ./cypher
RUN pip install --no-cache-dir .
ENV KGP_NEO4J__URI=bolt://neo4j:7687 KGP_REDIS__URL=redis://redis:6379/0
EXPOSE 8000
CMD ["kgplatform", "api", "--host", "0.0.0.0", "--port", "8000"]
