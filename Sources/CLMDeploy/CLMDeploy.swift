// CLMDeploy
