/* Sample images for the examples: photograph-like textures (gradients, waves,
 * edges and grain) written as JPEG and PNG with stb_image_write. */
#ifndef PARCROP_EXAMPLES_SAMPLE_IMAGES_H
#define PARCROP_EXAMPLES_SAMPLE_IMAGES_H

#include <stdint.h>

/* Fills width * height * 3 bytes. */
void sample_image(uint8_t* rgb, int width, int height, unsigned seed);

/* Writes a sample image to path (".jpg" or ".png" by the name); 0 on success. */
int write_sample_image(const char* path, int width, int height, unsigned seed);

/* Writes rgb (width * height * 3) as PNG; 0 on success. */
int write_png(const char* path, const uint8_t* rgb, int width, int height);

#endif
