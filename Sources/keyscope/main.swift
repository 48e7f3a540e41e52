import CLI
KeyscopeMain.run()
