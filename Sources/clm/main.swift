print("clm")
