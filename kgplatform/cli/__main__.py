from kgplatform.cli import main

main()
