"""Where records come from: issue folders (records, designs, pictures), OCR page dumps
(importer), and the text normalization every field goes through."""
