//! Uploading local model files and code folders, the way Python's azure-ai-ml does.
