from yishi.cli import main

main()
