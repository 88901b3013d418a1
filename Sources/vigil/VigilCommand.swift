@main struct VigilCommand { static func main() {} }
