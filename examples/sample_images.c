#include "sample_images.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <jpeglib.h>

/* PNG through stb_image_write; JPEG through libjpeg, whose encoder is the one real
 * datasets come from (stb's JPEG writer also shifts negative ints, which UBSan flags). */
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

static unsigned hash(unsigned x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

void sample_image(uint8_t* rgb, int width, int height, unsigned seed) {
    const double cx = width * (0.3 + 0.4 * (hash(seed) % 100) / 100.0);
    const double cy = height * (0.3 + 0.4 * (hash(seed + 1) % 100) / 100.0);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const double u = (double)x / width, v = (double)y / height;
            const double r = hypot(x - cx, y - cy) / (0.25 * (width + height));
            const double disc = r < 0.5 ? 60.0 : 0.0; /* a hard edge */
            const double waves = 25.0 * sin(40.0 * u + 7.0 * seed) * cos(30.0 * v);
            for (int c = 0; c < 3; ++c) {
                const double grain = (double)(hash((unsigned)(y * width + x) * 3u + (unsigned)c + seed * 7919u) % 31) - 15.0;
                double value = 40.0 + 120.0 * (c == 0 ? u : c == 1 ? v : 1.0 - u) + waves + disc + grain;
                value = value < 0 ? 0 : value > 255 ? 255 : value;
                rgb[((size_t)y * width + x) * 3 + c] = (uint8_t)value;
            }
        }
    }
}

int write_png(const char* path, const uint8_t* rgb, int width, int height) {
    return stbi_write_png(path, width, height, 3, rgb, width * 3) ? 0 : -1;
}

static int write_jpeg(const char* path, const uint8_t* rgb, int width, int height) {
    FILE* file = fopen(path, "wb");
    if (file == NULL) return -1;
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr errors;
    cinfo.err = jpeg_std_error(&errors); /* exits on error: fine for sample images */
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, file);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, 90, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return fclose(file) == 0 ? 0 : -1;
}

int write_sample_image(const char* path, int width, int height, unsigned seed) {
    uint8_t* rgb = malloc((size_t)width * height * 3);
    if (rgb == NULL) return -1;
    sample_image(rgb, width, height, seed);
    const size_t n = strlen(path);
    int ok;
    if (n > 4 && strcmp(path + n - 4, ".png") == 0) {
        ok = write_png(path, rgb, width, height) == 0;
    } else {
        ok = write_jpeg(path, rgb, width, height) == 0;
    }
    free(rgb);
    return ok ? 0 : -1;
}
