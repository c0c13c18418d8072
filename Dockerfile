# Image for the migrate, api, worker and beat services of docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY kgplatform ./kgplatform
COPY workers ./workers
COPY cypher ./cypher
# torch first, from PyTorch's CPU index: PyPI's Linux torch is the CUDA build, several GB larger, and
# nothing here needs a GPU. Then the project, editable: the code finds its Cypher files and var/ beside
# the package (/app/cypher, /app/var); an ordinary install moves the package into site-packages, away
# from them, and `kgplatform migrate` could not find a single query. Versions: requirements.lock's (torch's
# too, or the second install would swap the CPU build for PyPI's of the pinned version).
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
      "$(grep -E '^torch==' requirements.lock | cut -d' ' -f1)" \
 && pip install --no-cache-dir --constraint requirements.lock -e .
ENV KGP_NEO4J__URI=bolt://neo4j:7687 KGP_REDIS__URL=redis://redis:6379/0
EXPOSE 8000
CMD ["kgplatform", "api", "--host", "0.0.0.0", "--port", "8000"]
