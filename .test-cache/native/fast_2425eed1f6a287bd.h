#include <stddef.h>
#include <stdint.h>
typedef struct fast_board fast_board;
int fast_width_supported_2425eed1f6a287bd(int width);
int fast_best_width_2425eed1f6a287bd(void);
int fast_default_threads_2425eed1f6a287bd(void);
int fast_uses_lut3_2425eed1f6a287bd(void);
int64_t fast_llc_bytes_2425eed1f6a287bd(void);
fast_board * fast_new_2425eed1f6a287bd(int64_t width, int64_t height, int vec_width, int flavour, int threads);
void fast_free_2425eed1f6a287bd(fast_board *b);
int fast_set_cells_2425eed1f6a287bd(fast_board *b, const uint8_t *cells);
int fast_get_cells_2425eed1f6a287bd(const fast_board *b, uint8_t *cells);
int fast_step_2425eed1f6a287bd(fast_board *b, int64_t steps);
int64_t fast_population_2425eed1f6a287bd(const fast_board *b);
int fast_set_threads_2425eed1f6a287bd(fast_board *b, int threads);
int fast_set_depth_2425eed1f6a287bd(fast_board *b, int depth);
int fast_depth_2425eed1f6a287bd(const fast_board *b);
int fast_max_depth_2425eed1f6a287bd(void);
int64_t fast_band_rows_2425eed1f6a287bd(const fast_board *b);
int64_t fast_row_words_2425eed1f6a287bd(const fast_board *b);
double fast_time_steps_2425eed1f6a287bd(fast_board *b, int64_t steps);
const char * fast_error_2425eed1f6a287bd(void);
