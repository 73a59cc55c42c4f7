"""Images: uploaded, checked (type from the bytes, size, dimensions), stripped of EXIF, and
stored on Cloudinary (CLOUDINARY_URL) or on local disk and served by us."""
